# `cmake --install`: headers, the static libraries, a CMake package
# (covenConfig.cmake, covenConfigVersion.cmake, exported targets coven::*)
# and coven.pc. An app then builds with either
#   find_package(coven CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE coven::coven)
# or
#   c++ -std=c++20 app.cc $(pkg-config --cflags --static --libs coven)
# (see README.md; scripts/consumer-test.sh checks both).
include(CMakePackageConfigHelpers)

set(COVEN_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/coven)

install(TARGETS coven_core coven_net coven_keyring coven_testing coven
        EXPORT covenTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS coven_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/coven
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT covenTargets NAMESPACE coven:: DESTINATION ${COVEN_CMAKE_DIR})

# The package config recreates the imported targets the exported ones name
# (PkgConfig::*, EXPAT::EXPAT, Threads::Threads).
if(LIBSECRET_FOUND)
  set(COVEN_WITH_LIBSECRET ON)
else()
  set(COVEN_WITH_LIBSECRET OFF)
endif()
if(TARGET coven_hub_client)
  set(COVEN_WITH_HUB ON)
else()
  set(COVEN_WITH_HUB OFF)
endif()
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/covenConfig.cmake.in
  ${PROJECT_BINARY_DIR}/covenConfig.cmake
  INSTALL_DESTINATION ${COVEN_CMAKE_DIR})
# 0.x: a minor version may change the API.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/covenConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/covenConfig.cmake
              ${PROJECT_BINARY_DIR}/covenConfigVersion.cmake
        DESTINATION ${COVEN_CMAKE_DIR})

# pkg-config. The libraries are static, so what they link is in Libs.private:
# link with `pkg-config --static --libs coven`. These are the direct
# dependencies' own -l flags, not Requires.private modules: --static expands
# a required module's Libs.private too (libcurl's nghttp2, ssh2, ldap, ...),
# whose static -dev packages a Debian system does not have.
#
# coven_pc_libs(OUT PREFIX...): the -l and -L flags of the pkg_check_modules
# results PREFIX..., without the compiler's own library directories, and
# -pthread, as one string for a Libs.private line.
function(coven_pc_libs out)
  set(flags "")
  foreach(prefix ${ARGN})
    foreach(flag IN LISTS ${prefix}_LDFLAGS)
      if(flag MATCHES "^-L(.*)$")
        list(FIND CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES "${CMAKE_MATCH_1}" implicit)
        if(NOT implicit EQUAL -1 OR CMAKE_MATCH_1 MATCHES "^/usr/lib/?$")
          continue()
        endif()
      endif()
      list(APPEND flags "${flag}")
    endforeach()
  endforeach()
  list(APPEND flags -pthread)
  list(REMOVE_DUPLICATES flags)
  list(JOIN flags " " flags)
  set(${out} "${flags}" PARENT_SCOPE)
endfunction()
find_package(PkgConfig REQUIRED)
pkg_check_modules(COVEN_PC_EXPAT QUIET expat)
if(NOT COVEN_PC_EXPAT_FOUND)
  set(COVEN_PC_EXPAT_LDFLAGS -lexpat)
endif()
coven_pc_libs(COVEN_PC_LIBS_PRIVATE
              SQLITE3 SODIUM ZSTD PWQUALITY CURL COVEN_PC_EXPAT LIBSECRET)
# Relocatable: the prefix is found from the .pc file's own place, so
# `cmake --install build --prefix DIR` works for any DIR.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(COVEN_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH COVEN_PC_UP "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
  string(REGEX REPLACE "/$" "" COVEN_PC_UP "${COVEN_PC_UP}")
  set(COVEN_PC_PREFIX "\${pcfiledir}/${COVEN_PC_UP}")
endif()
foreach(kind LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${kind}}")
    set(COVEN_PC_${kind} "${CMAKE_INSTALL_${kind}}")
  else()
    set(COVEN_PC_${kind} "\${prefix}/${CMAKE_INSTALL_${kind}}")
  endif()
endforeach()
configure_file(${PROJECT_SOURCE_DIR}/cmake/coven.pc.in
               ${PROJECT_BINARY_DIR}/coven.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/coven.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The hub (when built): coven::hub, the hub:// home for apps, in an export
# set of its own, so that find_package(coven) looks for gRPC and protobuf
# only when asked for the component: find_package(coven COMPONENTS hub).
# pkg-config: the coven-hub module (`pkg-config --static --libs coven-hub`).
# The server program is installed as bin/coven-hub.
if(COVEN_WITH_HUB)
  set_target_properties(coven_hub_proto PROPERTIES EXPORT_NAME hub_proto)
  install(TARGETS coven_hub_client coven_hub_proto
          EXPORT covenHubTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(EXPORT covenHubTargets NAMESPACE coven::
          DESTINATION ${COVEN_CMAKE_DIR})
  if(TARGET coven_hub_program)
    install(TARGETS coven_hub_program RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
  coven_pc_libs(COVEN_HUB_PC_LIBS_PRIVATE GRPCPP PROTOBUF SODIUM)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/coven-hub.pc.in
                 ${PROJECT_BINARY_DIR}/coven-hub.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/coven-hub.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()
