# Include roots: each library exposes only its own folder, so a kiosk file
# cannot include a server header by accident (docs: STYLE, "Each CMake target
# exposes only its own include root").
#
# Includes are rooted at the component ("core/verdict.hpp"), and the
# components share parent folders (server/, scanner/), so the parent folder
# cannot be the root: it would show every sibling. Instead each library gets
# a folder of its own in the build tree holding one symbolic link, named as
# the component and pointing at its source folder:
#   build/<preset>/include-roots/admit_core/core -> server/core
# That folder is the library's only PUBLIC include directory. A target sees
# the headers of exactly the libraries it links (and what they link PUBLIC);
# including any other component's header fails to compile.
#
# admit_include_root(<target> [<component>]): <component> defaults to the
# name of the current source folder.
function(admit_include_root target)
    if(ARGC GREATER 1)
        set(component ${ARGV1})
    else()
        get_filename_component(component ${CMAKE_CURRENT_SOURCE_DIR} NAME)
    endif()
    set(root ${PROJECT_BINARY_DIR}/include-roots/${target})
    file(MAKE_DIRECTORY ${root})
    file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR} ${root}/${component} SYMBOLIC RESULT link_result)
    if(NOT link_result EQUAL 0)
        message(FATAL_ERROR "cannot link ${root}/${component} to ${CMAKE_CURRENT_SOURCE_DIR}: ${link_result}")
    endif()
    target_include_directories(${target} PUBLIC ${root})
endfunction()
