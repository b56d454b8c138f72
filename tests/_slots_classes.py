"""Classes with __slots__ for tests/test_slots_order.py.  Run as a script
under Pympler 1.1 (PYTHONPATH pointing at it), it prints the names of the
referents Pympler 1.1 lists for an instance of each, as JSON.  Not a test
module (its name starts with an underscore)."""
import json
import sys


class Base(object):
    __slots__ = ('zeta', 'alpha', 'mid')


class Derived(Base):
    __slots__ = ('b2', 'b1')


class Plain(Derived):
    pass   # no __slots__: has a __dict__, inherits the slots


class Private(object):
    __slots__ = ('public', '__secret', '__dict__', 'aa', '__weakref__')


class MoreDerived(Private, ):
    __slots__ = ['z', '__hidden', 'a']


def instances():
    """name -> instance, every slot set (one left unset in Derived)."""
    d = Derived()
    d.zeta, d.alpha, d.b2, d.b1 = 'zeta', 'alpha', 'b2', 'b1'   # mid unset
    p = Plain()
    p.zeta, p.alpha, p.mid, p.b2, p.b1 = 1.5, 2.5, 3.5, 4.5, 5.5
    p.extra = 'extra'
    v = Private()
    v.public, v._Private__secret, v.aa = 'pub', 'sec', 'aa'
    v.attr = 'attr'
    m = MoreDerived()
    m.z, m._MoreDerived__hidden, m.a = 'z', 'hid', 'a'
    m.public, m._Private__secret, m.aa = 'pub', 'sec', 'aa'
    b = Base()
    b.zeta, b.alpha, b.mid = 'z', 'a', 'm'
    return {'Base': b, 'Derived': d, 'Plain': p, 'Private': v, 'MoreDerived': m}


def slot_names(pairs):
    """The names of (name, obj) pairs that are not __dict__/__class__."""
    return [n for n, _ in pairs if n not in ('__dict__', '__class__')]


if __name__ == '__main__':
    from pympler import asizeof
    json.dump({k: slot_names(asizeof.named_refs(o))
               for k, o in instances().items()}, sys.stdout)
