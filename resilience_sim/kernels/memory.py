"""A hint to the processor: fetch an array element into the cache before it is read.

The decisions stage reads decision records at random places of a pool that does not
fit in the cache; reading each one waits for memory. Asking for the records a few
steps ahead (``prefetch``, the ``llvm.prefetch`` intrinsic) lets those waits overlap;
new records are written into free slots fetched the same way (``prefetch_write``).
A prefetch never changes a result: it only moves memory earlier.

Also a plain loop the per-agent stages share: ``gather``, a table read per agent, kept
out of the loops meant to vectorise.
"""

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic


def _codegen(rw: int):
    """Code for ``llvm.prefetch`` of ``array[index]``, for reading (0) or writing (1)."""

    def codegen(context, builder, signature, args):
        ary, ind = args
        aryty = signature.args[0]
        ind = context.cast(builder, ind, signature.args[1], types.intp)
        data = context.make_array(aryty)(context, builder, ary)
        ptr = cgutils.get_item_pointer(context, builder, aryty, data, [ind], wraparound=False)
        i32 = ir.IntType(32)
        byte_ptr = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [builder.bitcast(ptr, byte_ptr), i32(rw), i32(3), i32(1)])  # all cache levels, data
        return context.get_dummy_value()

    return codegen


@intrinsic
def prefetch(typingctx, array, index):
    """Prefetch ``array[index]`` for reading (no bounds check: pass a valid index)."""
    return types.void(array, index), _codegen(0)


@intrinsic
def prefetch_write(typingctx, array, index):
    """Prefetch ``array[index]`` for writing: its line is fetched ready to be changed."""
    return types.void(array, index), _codegen(1)


@njit(cache=True)
def gather(values, index, out):
    """``out[a] = values[index[a]]`` for every agent ``a``.

    A table read per agent (its service's), kept apart from the loops the compiler turns
    into vector code: it would not vectorise them with the read inside. When every entry
    of the table is the same (no service closed today, no IT outage), ``out`` is filled
    with it: the same values, without a read per agent.
    """
    uniform = values.shape[0] > 0
    for s in range(1, values.shape[0]):
        if values[s] != values[0]:
            uniform = False
            break
    if uniform:
        out[:] = values[0]
        return
    for a in range(index.shape[0]):
        out[a] = values[index[a]]
