/* heap.c -- live-object enumeration and per-type summaries (issue 3).
 * Python interface: src/pympler/muppy.py, summary.py, tracker.py. */
#include "pympler.h"

int
pym_heap_init(PyObject *module, PymState *st)
{
    (void)module;
    (void)st;
    return 0;
}
