// Drives the notification-center page in headless Chromium for NotificationCenterBrowserTest.
// Protocol with the Java test: one JSON object per line on stdout; commands as lines on stdin.
//   argv: baseUrl userId screenshotPath
//   out: {"ready":true,"panelsBeforeSignIn":b,"socket":s} page signed in, escrows listed, socket online;
//                                            b: whether the escrow panels were visible before sign-in (they must
//                                            not be); s: the number of the WebSocket it is online through (1, 2, …
//                                            in the order the page opened them)
//   in:  "expect <eventType> <escrowId>"      wait until the live list shows such an event
//   out: {"seen":"<eventType>","unread":<n>,"overSocket":s} s: the WebSocket that delivered the event's frame
//                                            before it showed, or null when no socket delivered it
//   in:  "drop"                               the network drops: the socket closes and cannot reconnect
//   out: {"dropped":true}
//   in:  "restore"                            the network is back: the client reconnects by itself
//   out: {"restored":true}
//   in:  "screenshot" / "quit"
import { chromium } from 'playwright-core';
import readline from 'node:readline';

const [baseUrl, userId, screenshotPath] = process.argv.slice(2);
const say = (message) => process.stdout.write(JSON.stringify(message) + '\n');

// every text frame the page received, with the number of the socket it came over
let socketsOpened = 0;
const framesReceived = [];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => say({ pageError: String(error) }));
  page.on('websocket', (socket) => {
    const number = ++socketsOpened;
    socket.on('framereceived', (frame) => framesReceived.push({ socket: number, payload: String(frame.payload) }));
  });
  await page.goto(baseUrl + '/notification-center/');
  const panelsBeforeSignIn = await page.isVisible('#app');
  await page.fill('#user', userId);
  await page.click('#signin-form button');
  await page.waitForSelector('#app:not([hidden])');
  await page.waitForSelector('#connection[data-state="online"]');
  say({ ready: true, panelsBeforeSignIn, socket: socketsOpened });

  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const [command, type, escrowId] = line.trim().split(' ');
    if (command === 'expect') {
      await page.evaluate(([wantedType]) => new Promise((resolve) => {
        const found = () => [...document.querySelectorAll('#events li .event-type')]
          .some((element) => element.textContent === wantedType);
        if (found()) return resolve();
        new MutationObserver((_, observer) => {
          if (found()) { observer.disconnect(); resolve(); }
        }).observe(document.getElementById('events'), { childList: true, subtree: true });
      }), [type, escrowId]);
      const unread = Number(await page.textContent('#unread'));
      const frame = framesReceived.find((received) => received.payload.includes(`"${type}"`)
        && received.payload.includes(escrowId));
      say({ seen: type, unread, overSocket: frame ? frame.socket : null });
    } else if (command === 'drop') {
      // offline first, so that the client's own reconnect attempts fail until "restore"
      await page.context().setOffline(true);
      await page.evaluate(() => window.notificationCenter.socket.io.engine.close());
      await page.waitForSelector('#connection:not([data-state="online"])');
      say({ dropped: true });
    } else if (command === 'restore') {
      await page.context().setOffline(false);
      await page.waitForSelector('#connection[data-state="online"]', { timeout: 30000 });
      say({ restored: true });
    } else if (command === 'screenshot') {
      await page.screenshot({ path: screenshotPath, fullPage: true });
      say({ screenshot: screenshotPath });
    } else if (command === 'quit') {
      break;
    }
  }
  lines.close();
} finally {
  await browser.close();
}
process.exit(0); // stdin stays open otherwise, and so would this process
