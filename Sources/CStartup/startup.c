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
