// libFuzzer's library entry point (llvm.org/docs/LibFuzzer.html, "Using libFuzzer as a library").
//
// Declared here rather than linked: only the sanitizer build of scripts/fuzz links libFuzzer
// (libclang_rt.fuzzer_no_main), and only code compiled with -DFUZZING calls it.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
