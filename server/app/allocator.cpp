#include "app/allocator.hpp"

#ifdef ADMIT_WITH_MIMALLOC
#include <mimalloc.h>
#endif

#include <fmt/format.h>

namespace admit::app {

std::string memory_allocator() {
#ifdef ADMIT_WITH_MIMALLOC
    // mimalloc replaces malloc and free by being linked first; asking its
    // version also keeps the linker from dropping it as unused.
    const int v = mi_version();
    return fmt::format("mimalloc {}.{}.{}", v / 100, v / 10 % 10, v % 10);
#else
    return "the C library's malloc";
#endif
}

}  // namespace admit::app
