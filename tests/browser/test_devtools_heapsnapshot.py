"""The Chrome DevTools export (``heapfile.to_heapsnapshot``) loaded by the
DevTools front-end's own heap snapshot code, as the Memory panel loads a
file: the heap snapshot worker bundled with this Chromium (served by its
DevTools HTTP server), driven through its message dispatcher.  DevTools
parses the JSON, builds its snapshot (its own dominator tree included) and
aggregates the nodes per constructor; the numbers must be ours."""
import json

import pytest

from pympler import heapfile, retained

WORKER = "/devtools/entrypoints/heap_snapshot_worker/heap_snapshot_worker.js"

# The dispatcher calls the Memory panel makes on its worker: a second port for
# the parallel part of the initialisation, a loader fed the file's text, the
# snapshot built from it, then its counts and per-constructor aggregates.
LOAD_IN_DEVTOOLS = """
const [url, text, done] = arguments;
(async () => {
  try {
    const m = await import(url);
    const Dispatcher = m.HeapSnapshotWorkerDispatcher.HeapSnapshotWorkerDispatcher;
    const replies = {};
    const dispatcher = new Dispatcher(msg => {
      if (msg.callId !== undefined) { replies[msg.callId] = msg; }
    });
    let id = 0;
    const call = async (data, ports) => {
      data.callId = ++id;
      await dispatcher.dispatchMessage({data, ports: ports || []});
      const reply = replies[data.callId];
      if (reply && reply.error) { throw new Error(data.methodName + ': ' + reply.error); }
      return reply ? reply.result : undefined;
    };
    const channel = new MessageChannel();
    await call({disposition: 'setupForSecondaryInit', objectId: 2}, [channel.port2]);
    await call({disposition: 'createLoader', objectId: 1});
    await call({disposition: 'method', objectId: 1, methodName: 'write', methodArguments: [text]});
    await call({disposition: 'method', objectId: 1, methodName: 'close', methodArguments: []});
    const built = await call({disposition: 'factory', objectId: 1, methodName: 'buildSnapshot',
                              methodArguments: [], newObjectId: 3}, [channel.port1]);
    const get = name => call({disposition: 'getter', objectId: 3, methodName: name});
    const aggregates = await call({disposition: 'method', objectId: 3,
                                   methodName: 'aggregatesWithFilter', methodArguments: [{}]});
    for (const k in aggregates) { delete aggregates[k].idxs; }
    done({built, nodeCount: await get('nodeCount'), totalSize: await get('totalSize'),
          aggregates});
  } catch (e) {
    done({error: String(e), stack: String(e.stack)});
  }
})();
"""


class DevtoolsItem(object):
    def __init__(self, i):
        self.i = i
        self.blob = bytes(200)


class DevtoolsHolder(object):
    def __init__(self):
        self.items = [DevtoolsItem(i) for i in range(400)]


HOLDER = DevtoolsHolder()


def test_devtools_front_end_loads_the_export(devtools):
    driver, port = devtools
    with retained.snapshot() as snap:
        data = heapfile.from_snapshot(snap)
        holder_retained = snap.retained_size(HOLDER)
        rows = dict((r.type, r) for r in snap.by_type())
    doc = heapfile.validate_heapsnapshot(heapfile.to_heapsnapshot(data))
    item_type = data.strings[data.node_type[snap.index(HOLDER.items[0])]]
    holder_type = data.strings[data.node_type[snap.index(HOLDER)]]
    base = "http://127.0.0.1:%d" % port
    driver.get(base + WORKER)       # a page of the DevTools origin: the worker may be imported
    driver.set_script_timeout(300)
    res = driver.execute_async_script(LOAD_IN_DEVTOOLS, base + WORKER, json.dumps(doc))
    if res.get("error") and "Failed to fetch dynamically imported module" in res["error"]:
        pytest.skip("this Chromium serves no bundled DevTools front-end")
    assert "error" not in res, res
    assert res["built"] is True
    # our nodes and the synthetic root; every byte counted once
    assert res["nodeCount"] == snap.count + 1
    assert res["totalSize"] == snap.total
    agg = dict((a["name"], a) for a in res["aggregates"].values())
    # user classes are "object" nodes named by their type: DevTools'
    # constructors, with our counts and flat sizes
    for name in (item_type, holder_type):
        assert agg[name]["count"] == rows[name].count
        assert agg[name]["self"] == rows[name].flat
    # DevTools' own dominator tree gives the holder what ours gives it
    assert agg[holder_type]["maxRet"] == holder_retained
