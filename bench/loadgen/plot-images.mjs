// The plot images a sitting's README.md shows (compare.mjs). No npm packages, so that it can be tested alone.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Markdown images of the plots named by `stems` (file names without extension) in `dir`, each of a file that
 * exists: the PNG when Chromium rendered one, else the SVG plot.mjs always writes, else none (the plot failed).
 */
export function plotImages(dir, stems) {
  return stems.flatMap((stem) => {
    const file = [`${stem}.png`, `${stem}.svg`].find((name) => existsSync(join(dir, name)));
    return file ? [`![${file}](${file})`] : [];
  });
}
