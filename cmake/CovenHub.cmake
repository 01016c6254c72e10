# The hub: coven-hub (a gRPC server over SQLite or PostgreSQL) and the
# hub:// home. Its own targets, so an app that never uses a hub links
# neither gRPC nor libpq (docs/decisions.md, "Build targets by layer"):
#
#   coven_hub_proto   generated from proto/coven/hub/v1/hub.proto, and
#                     src/hub/wire (shared by both ends)
#   coven_hub_store   the store: SQLite and PostgreSQL (libpq); hub only
#   coven_hub_server  the service, authentication, fan-out; hub only
#   coven-hub         the server program
#   coven::hub        the hub:// home for apps (coven/hub_home.h)
find_package(PkgConfig REQUIRED)
pkg_check_modules(GRPCPP REQUIRED IMPORTED_TARGET grpc++)
pkg_check_modules(PROTOBUF REQUIRED IMPORTED_TARGET protobuf)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
find_package(prometheus-cpp CONFIG REQUIRED)
find_program(COVEN_PROTOC protoc REQUIRED)
find_program(COVEN_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)

set(COVEN_HUB_PROTO ${PROJECT_SOURCE_DIR}/proto/coven/hub/v1/hub.proto)
set(COVEN_HUB_GEN_DIR ${PROJECT_BINARY_DIR}/generated)
set(COVEN_HUB_GEN
  ${COVEN_HUB_GEN_DIR}/coven/hub/v1/hub.pb.cc
  ${COVEN_HUB_GEN_DIR}/coven/hub/v1/hub.pb.h
  ${COVEN_HUB_GEN_DIR}/coven/hub/v1/hub.grpc.pb.cc
  ${COVEN_HUB_GEN_DIR}/coven/hub/v1/hub.grpc.pb.h)
add_custom_command(
  OUTPUT ${COVEN_HUB_GEN}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${COVEN_HUB_GEN_DIR}
  COMMAND ${COVEN_PROTOC} -I ${PROJECT_SOURCE_DIR}/proto
          --cpp_out=${COVEN_HUB_GEN_DIR} --grpc_out=${COVEN_HUB_GEN_DIR}
          --plugin=protoc-gen-grpc=${COVEN_GRPC_CPP_PLUGIN} ${COVEN_HUB_PROTO}
  DEPENDS ${COVEN_HUB_PROTO}
  COMMENT "Generating the hub's gRPC code from hub.proto")
# The wire layer: generated code plus what both ends share (src/hub/wire:
# the registration message, status mapping).
coven_sources(COVEN_HUB_WIRE_SOURCES hub/wire)
add_library(coven_hub_proto STATIC ${COVEN_HUB_GEN} ${COVEN_HUB_WIRE_SOURCES})
# Generated code: no warnings of ours.
set_source_files_properties(${COVEN_HUB_GEN} PROPERTIES COMPILE_OPTIONS -w)
target_include_directories(coven_hub_proto PUBLIC
  $<BUILD_INTERFACE:${COVEN_HUB_GEN_DIR}>)
target_include_directories(coven_hub_proto PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(coven_hub_proto PUBLIC PkgConfig::GRPCPP
                      PkgConfig::PROTOBUF coven_core
                      PRIVATE PkgConfig::SODIUM)
set_target_properties(coven_hub_proto PROPERTIES POSITION_INDEPENDENT_CODE ON)

coven_sources(COVEN_HUB_STORE_SOURCES hub/store)
if(COVEN_HUB_STORE_SOURCES)
add_library(coven_hub_store STATIC ${COVEN_HUB_STORE_SOURCES})
target_include_directories(coven_hub_store PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(coven_hub_store PUBLIC coven_core coven_internal
                      PkgConfig::LIBPQ Threads::Threads)
target_link_libraries(coven_hub_store PRIVATE PkgConfig::SODIUM)

# Its suite (tests/hub/store_*.cc, on SQLite and a real PostgreSQL 15)
# runs in coven_tests with the rest of the hub's tests (tests/CMakeLists.txt).
endif()

coven_sources(COVEN_HUB_SERVER_SOURCES hub/server)
list(FILTER COVEN_HUB_SERVER_SOURCES EXCLUDE REGEX ".*/hub_main\\.cc$")
if(COVEN_HUB_SERVER_SOURCES)
  add_library(coven_hub_server STATIC ${COVEN_HUB_SERVER_SOURCES})
  target_include_directories(coven_hub_server PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(coven_hub_server PUBLIC coven_core coven_internal
                        coven_hub_proto prometheus-cpp::pull Threads::Threads)
  if(TARGET coven_hub_store)
    target_link_libraries(coven_hub_server PUBLIC coven_hub_store)
    add_executable(coven_hub_program
                   ${PROJECT_SOURCE_DIR}/src/hub/server/hub_main.cc)
    set_target_properties(coven_hub_program PROPERTIES OUTPUT_NAME coven-hub)
    target_link_libraries(coven_hub_program PRIVATE coven_hub_server)
  endif()
endif()

coven_sources(COVEN_HUB_CLIENT_SOURCES hub/client)
if(COVEN_HUB_CLIENT_SOURCES)
coven_library(coven_hub_client hub ${COVEN_HUB_CLIENT_SOURCES})
target_link_libraries(coven_hub_client PUBLIC coven_core
                      PRIVATE coven_hub_proto PkgConfig::SODIUM Threads::Threads)
endif()
