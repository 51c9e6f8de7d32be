// The Swift runtime's own way of finding argv in a statically linked executable is a constructor
// that reads /proc/self/maps with sscanf to locate the stack and walks back from `environ`: ~120K
// instructions, 10% of a loopback ADD. glibc hands argc and argv to every constructor of the
// executable, so these definitions take them from there; being in an object file of the
// executable, they are linked instead of the runtime archive's member (whose constructor then
// never runs). The two functions are the runtime's whole interface to that member.
#include <malloc.h>
#include <stddef.h>

static int captured_argc;
static char **captured_argv;
static char *empty_argv[] = { NULL };

__attribute__((constructor)) static void capture_arguments(int argc, char **argv, char **envp) {
    (void)envp;
    captured_argc = argc;
    captured_argv = argv;
    // One malloc arena: the short-lived threads (a namespace's socket, a veth deletion) would each
    // map a 64 MB arena of their own (mmap, munmap, mprotect, fresh pages) for a few allocations.
    mallopt(M_ARENA_MAX, 1);
}

char **_swift_stdlib_getUnsafeArgvArgc(int *outArgLen) {
    if (captured_argv == NULL) {
        *outArgLen = 0;
        return empty_argv;
    }
    *outArgLen = captured_argc;
    return captured_argv;
}

void _swift_stdlib_overrideUnsafeArgvArgc(char **argv, int argc) {
    captured_argv = argv;
    captured_argc = argc;
}

// The runtime's crash backtracer (Backtrace.cpp) is linked only because swiftrt.o refers to
// `_swift_backtrace_isThunkFunction`; its constructor then looks for the `swift-backtrace` helper
// beside the executable at every exec (eight failed stats, two terminal checks, ~15K instructions
// and the pages of that code), which is never installed with the plugins, so backtracing ends up
// off anyway. These two definitions stand in for that archive member, whose constructor then never
// runs: the thunk check (used only by the backtracer) says no, and the settings, which the
// runtime's fatal-error path reads, stay all zero: backtracing off (`OnOffTty::Off` is 0). A
// crash still prints the runtime's message and dies of its signal.
_Bool _swift_backtrace_isThunkFunction(const char *mangledName) {
    (void)mangledName;
    return 0;
}
__attribute__((aligned(16))) char _swift_backtraceSettings[256];
