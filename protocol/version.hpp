#pragma once
// The station protocol's version: the server answers hello.protocol_version
// up to this one, and kiosks send it (proto/admit/station.proto says how the
// messages may change without a new version).
// Thread safety: a constant.

#include <cstdint>

namespace admit::protocol {

inline constexpr std::uint32_t protocol_version = 1;

}  // namespace admit::protocol
