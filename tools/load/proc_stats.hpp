#pragma once
// What /proc says about another process (the server under load): resident
// memory and CPU time. Linux only. Thread safety: free functions.

#include <cstdint>
#include <optional>

namespace admit::load {

// VmRSS of the process in KiB, from /proc/<pid>/status; nullopt when unreadable.
std::optional<std::int64_t> rss_kib(int pid);
// utime + stime of the process (all its threads) in seconds, from /proc/<pid>/stat.
std::optional<double> cpu_seconds(int pid);

}  // namespace admit::load
