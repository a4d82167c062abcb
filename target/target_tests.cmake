# The core's unit tests that run on the Cortex-M4 under QEMU: each
# tests/core/<name>.c compiled unchanged by the target build
# (target/CMakeLists.txt) and registered by the host build
# (tests/target/CMakeLists.txt) as a CTest test with the label "target".
# They reach the simulated flash and store through src/sim, which the
# target build runs over RAM (target/sim) instead of host files.
set(SYSOTA_TARGET_CORE_TESTS
  test_bootctl
  test_imgdb
  test_boot
  test_manifest
  test_json
  test_layout
  test_codec
  test_power_sweep
)
# Not on the target, and why:
#   test_core_purity  a script over the host build's objects and sources, not a program
