# CMake toolchain file: bare-metal Cortex-M4 with Debian's gcc-arm-none-eabi
# and newlib-nano. The footprint build (footprint/) and the target build
# (target/: the core's tests, the mps2-an386 bootloader and application
# under QEMU) both use it; nothing built with it runs on the host.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_AR arm-none-eabi-ar)
set(CMAKE_RANLIB arm-none-eabi-ranlib)
set(CMAKE_SIZE arm-none-eabi-size)
set(CMAKE_OBJCOPY arm-none-eabi-objcopy)
# No OS to link a test program against: compiler checks build a library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# The flags the footprint targets are compared at (MCUboot's figures are
# for the same): size-optimised Thumb-2, one section per function and
# object so the linker drops whatever the image does not reach. Each image
# brings its own start-up code and linker script.
set(CMAKE_C_FLAGS_INIT "-mthumb -mcpu=cortex-m4 -Os -ffunction-sections -fdata-sections -fno-common -fno-unwind-tables -fno-asynchronous-unwind-tables")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-mthumb -mcpu=cortex-m4 --specs=nano.specs -nostartfiles -Wl,--gc-sections")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
