# Runs the Autobahn|Testsuite fuzzing client against one WebSocket echo endpoint, under Jython.
# The testsuite's Python is not in this repository: it comes from the autobahntestsuite-maven-plugin jar,
# which the build copies to target/autobahn/lib and AutobahnConformance puts on this interpreter's classpath.
#
# usage: fuzzing_client.py URL AGENT OUTDIR CASES EXCLUDED
#   CASES, EXCLUDED: comma-separated case patterns, e.g. "1.*,2.*" and "9.*"
import sys

from autobahntestsuite import wstest


def patterns(arg):
    return [p for p in arg.split(",") if p]


url, agent, outdir, cases, excluded = sys.argv[1:6]
spec = {
    "outdir": outdir,
    # a refused case fails the run, whether the server closed cleanly or dropped the connection
    "options": {"failByDrop": False},
    "servers": [{"agent": agent, "url": url}],
    "cases": patterns(cases),
    "exclude-cases": patterns(excluded),
    "exclude-agent-cases": {},
}
wstest.start({"mode": "fuzzingclient"}, spec)
