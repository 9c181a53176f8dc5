#pragma once
// Which malloc this server runs on (said in its start-up log): mimalloc when
// built with ADMIT_MIMALLOC (the default; cmake/dependencies.cmake), else the
// C library's.

#include <string>

namespace admit::app {

std::string memory_allocator();

}  // namespace admit::app
