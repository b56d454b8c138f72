"""A short tour of pympler.asizeof: deep sizes of a few objects."""
import collections

from pympler import asizeof


class Point(object):
    def __init__(self, x, y):
        self.x = x
        self.y = y


class Slotted(object):
    __slots__ = ('x', 'y')

    def __init__(self, x, y):
        self.x = x
        self.y = y


def main():
    data = {'points': [Point(i, i * 2) for i in range(1000)],
            'slotted': [Slotted(i, i * 2) for i in range(1000)],
            'queue': collections.deque(range(100))}
    print('sys.getsizeof-style flat size of the dict: %d bytes' % asizeof.flatsize(data))
    print('deep size of the dict:                     %d bytes' % asizeof.asizeof(data))
    print('deep sizes of its values:', dict(zip(data, asizeof.asizesof(*data.values()))))
    print()
    print(asizeof.asized(data, detail=1).format(depth=1))
    # A linked list far deeper than any recursion limit is sized in full.
    head = None
    for i in range(100000):
        head = [i, head]
    print()
    print('100,000-deep linked list: %d bytes' % asizeof.asizeof(head))
    print()
    asizeof.asizeof(data, stats=1, cutoff=5)


if __name__ == '__main__':
    main()
