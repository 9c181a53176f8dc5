# All third-party packages come from Debian 12; deploy/scripts/install-deps.sh installs them.
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(Boost 1.81 CONFIG REQUIRED COMPONENTS json system)
find_package(SQLiteCpp REQUIRED)
find_package(Protobuf REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(tomlplusplus REQUIRED)
# Howard Hinnant's date/tz (Debian: libhowardhinnant-date-dev), reading the OS tz database.
find_package(date CONFIG REQUIRED)
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(sodium REQUIRED IMPORTED_TARGET libsodium)
# The XLSX workbook: minizip packs it, zlib deflates each sheet as it streams.
pkg_check_modules(minizip REQUIRED IMPORTED_TARGET minizip zlib)
pkg_check_modules(libpq REQUIRED IMPORTED_TARGET libpq)
if(BUILD_TESTING)
    find_package(GTest REQUIRED)
endif()
# mimalloc in place of glibc's malloc for admit-server: the scans' records are
# made on the network threads and freed on the writer and back, and glibc's
# arenas cost the writer about a fifth of its time (BENCHMARKS.md, section 1).
# Sanitizer builds keep their own allocator.
if(ADMIT_SANITIZE)
    set(admit_mimalloc_default OFF)
else()
    set(admit_mimalloc_default ON)
endif()
option(ADMIT_MIMALLOC "Link admit-server with mimalloc (libmimalloc-dev)" ${admit_mimalloc_default})
if(ADMIT_MIMALLOC)
    find_package(mimalloc 2.0 CONFIG REQUIRED)
endif()
