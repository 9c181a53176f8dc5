# Warnings for our own targets, linked PRIVATE (cpp-best-practices/cmake_template).
add_library(admit_warnings INTERFACE)
target_compile_options(admit_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wformat=2
    -Wimplicit-fallthrough
    $<$<BOOL:${ADMIT_WARNINGS_AS_ERRORS}>:-Werror>)
option(ADMIT_WARNINGS_AS_ERRORS "Treat compiler warnings as errors" OFF)

# Sanitizer builds set ADMIT_SANITIZE to e.g. "address,undefined" or "thread".
set(ADMIT_SANITIZE "" CACHE STRING "Sanitizers to build with (address,undefined | thread | fuzzer-no-link)")
add_library(admit_sanitize INTERFACE)
if(ADMIT_SANITIZE)
    target_compile_options(admit_sanitize INTERFACE -fsanitize=${ADMIT_SANITIZE} -fno-omit-frame-pointer)
    target_link_options(admit_sanitize INTERFACE -fsanitize=${ADMIT_SANITIZE})
endif()

# Every own target: C++20, warnings, sanitizers.
function(admit_target target)
    target_compile_features(${target} PUBLIC cxx_std_20)
    target_link_libraries(${target} PRIVATE admit_warnings)
    target_link_libraries(${target} PUBLIC admit_sanitize)
endfunction()
