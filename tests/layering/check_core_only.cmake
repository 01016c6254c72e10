# Checks that a program linked against coven::core alone pulls in neither
# libcurl nor libsecret (nor GLib, which libsecret brings), nor the hub's
# gRPC, protobuf, libpq or prometheus-cpp: no such NEEDED
# entry (readelf -d) and no undefined curl_*, secret_* or g_* symbol (nm -D).
# Then runs the program, which checks the registry's errors.
#   cmake -DEXE=<program> -DREADELF=<readelf> -DNM=<nm> -P check_core_only.cmake
foreach(var EXE READELF NM)
  if(NOT ${var})
    message(FATAL_ERROR "check_core_only: -D${var}= is required")
  endif()
endforeach()

execute_process(COMMAND ${READELF} -d ${EXE} OUTPUT_VARIABLE dynamic
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "readelf -d ${EXE} failed (${rc})")
endif()
string(REGEX MATCHALL "\\(NEEDED\\)[^\n]*" needed "${dynamic}")
message(STATUS "NEEDED: ${needed}")
if(NOT needed MATCHES "libsqlite3")
  message(FATAL_ERROR "the check is blind: no NEEDED libsqlite3 in ${EXE}")
endif()
foreach(lib libcurl libsecret libglib libgio libgobject libexpat libgrpc
            libprotobuf libpq libprometheus)
  if(needed MATCHES "${lib}")
    message(FATAL_ERROR
            "a program linked against coven::core alone needs ${lib}: "
            "${needed}. The core must not link the network homes', the "
            "keyring's or the hub's libraries (see CMakeLists.txt).")
  endif()
endforeach()

execute_process(COMMAND ${NM} -D --undefined-only ${EXE}
                OUTPUT_VARIABLE undefined RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm -D ${EXE} failed (${rc})")
endif()
string(REGEX MATCHALL "[ \n](curl_|secret_|g_|XML_|grpc_|PQ)[A-Za-z0-9_]*"
       leaked
       "${undefined}")
if(leaked)
  message(FATAL_ERROR "a program linked against coven::core alone calls "
                      "libcurl, libsecret, GLib, expat, gRPC or libpq: ${leaked}")
endif()

execute_process(COMMAND ${EXE} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} failed (${rc})")
endif()
