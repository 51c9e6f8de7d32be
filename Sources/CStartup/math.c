// The Swift standard library refers to ~100 libm functions (its floating-point types' conformances),
// so every plugin would load libm at each exec: one more library for the dynamic loader to map,
// relocate and run the ifunc resolvers of (~24K instructions, ~0.3 MB of peak RSS), for functions
// no plugin calls, except rounding: a Dictionary or Set that grows calls ceil. So the rounding
// functions are defined here, exactly, and every other libm function the stdlib refers to is a
// stub that loads libm the first time it is called and then jumps straight to the real function
// (a lazily bound PLT entry, with dlopen for the loader). Being in an object file of the
// executable, these definitions are linked instead of libm's, and `--as-needed` leaves libm out.
// scripts/build-release.sh fails if libm is needed again (a new toolchain referring to a function
// not listed here: add it to the list).

// The exact rounding functions. |x| < 2^52 (2^23 for float) converts to a 64-bit (32-bit)
// integer exactly; anything larger, infinite or NaN is integral already. The sign is kept, so
// -0.3 rounds to -0.0 as libm's does.
double trunc(double x) {
    if (!(__builtin_fabs(x) < 0x1p52)) return x;
    return __builtin_copysign((double)(long long)x, x);
}
double floor(double x) {
    double t = trunc(x);
    return t > x ? t - 1 : t;
}
double ceil(double x) {
    double t = trunc(x);
    return t < x ? t + 1 : t;
}
double round(double x) {  // halfway cases away from zero
    double t = trunc(x);
    return __builtin_fabs(x - t) >= 0.5 ? t + __builtin_copysign(1.0, x) : t;
}
float truncf(float x) {
    if (!(__builtin_fabsf(x) < 0x1p23f)) return x;
    return __builtin_copysignf((float)(int)x, x);
}
float floorf(float x) {
    float t = truncf(x);
    return t > x ? t - 1 : t;
}
float ceilf(float x) {
    float t = truncf(x);
    return t < x ? t + 1 : t;
}
float roundf(float x) {
    float t = truncf(x);
    return __builtin_fabsf(x - t) >= 0.5f ? t + __builtin_copysignf(1.0f, x) : t;
}

#if defined(__x86_64__) && defined(__linux__)
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// Called by the stubs' common path below with the function's name and its slot: loads libm
// (once), looks the function up and stores it in the slot, so later calls jump there directly.
void *cni_lazy_libm_resolve(const char *name, void **slot) {
    static void *libm;
    void *handle = __atomic_load_n(&libm, __ATOMIC_ACQUIRE);
    if (handle == NULL) {
        handle = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);
        __atomic_store_n(&libm, handle, __ATOMIC_RELEASE);
    }
    void *function = handle != NULL ? dlsym(handle, name) : NULL;
    if (function == NULL) {
        static const char message[] = "swift-cni: cannot load a libm function: ";
        const char *reason = dlerror();
        write(2, message, sizeof message - 1);
        write(2, name, strlen(name));
        if (reason != NULL) { write(2, ": ", 2); write(2, reason, strlen(reason)); }
        write(2, "\n", 1);
        abort();
    }
    __atomic_store_n(slot, function, __ATOMIC_RELEASE);
    return function;
}

// The common path of the first call: %rax holds the slot, %r11 the name. Saves the argument
// registers (integer and SSE; long double arguments are on the caller's stack, which is left as
// it was), resolves, restores them and jumps to the function as if it had been called directly.
__asm__(
    "    .text\n"
    "    .p2align 4\n"
    "cni_lazy_libm_bind:\n"
    "    pushq %rbp\n"
    "    movq %rsp, %rbp\n"
    "    subq $192, %rsp\n"
    "    andq $-16, %rsp\n"
    "    movq %rdi, 0(%rsp)\n"
    "    movq %rsi, 8(%rsp)\n"
    "    movq %rdx, 16(%rsp)\n"
    "    movq %rcx, 24(%rsp)\n"
    "    movq %r8, 32(%rsp)\n"
    "    movq %r9, 40(%rsp)\n"
    "    movaps %xmm0, 64(%rsp)\n"
    "    movaps %xmm1, 80(%rsp)\n"
    "    movaps %xmm2, 96(%rsp)\n"
    "    movaps %xmm3, 112(%rsp)\n"
    "    movaps %xmm4, 128(%rsp)\n"
    "    movaps %xmm5, 144(%rsp)\n"
    "    movaps %xmm6, 160(%rsp)\n"
    "    movaps %xmm7, 176(%rsp)\n"
    "    movq %r11, %rdi\n"
    "    movq %rax, %rsi\n"
    "    call cni_lazy_libm_resolve\n"
    "    movq %rax, %r11\n"
    "    movq 0(%rsp), %rdi\n"
    "    movq 8(%rsp), %rsi\n"
    "    movq 16(%rsp), %rdx\n"
    "    movq 24(%rsp), %rcx\n"
    "    movq 32(%rsp), %r8\n"
    "    movq 40(%rsp), %r9\n"
    "    movaps 64(%rsp), %xmm0\n"
    "    movaps 80(%rsp), %xmm1\n"
    "    movaps 96(%rsp), %xmm2\n"
    "    movaps 112(%rsp), %xmm3\n"
    "    movaps 128(%rsp), %xmm4\n"
    "    movaps 144(%rsp), %xmm5\n"
    "    movaps 160(%rsp), %xmm6\n"
    "    movaps 176(%rsp), %xmm7\n"
    "    movq %rbp, %rsp\n"
    "    popq %rbp\n"
    "    jmpq *%r11\n");

// One stub: jumps through its slot, which first points at its own binding path.
#define LAZY(f)                                                                                \
    __asm__("    .pushsection .text.lazy_libm." #f ",\"ax\",@progbits\n"                      \
            "    .globl " #f "\n"                                                              \
            "    .type " #f ", @function\n"                                                    \
            #f ":\n"                                                                           \
            "    jmpq *cni_lazy_libm_slot_" #f "(%rip)\n"                                      \
            "cni_lazy_libm_first_" #f ":\n"                                                    \
            "    leaq cni_lazy_libm_slot_" #f "(%rip), %rax\n"                                 \
            "    leaq cni_lazy_libm_name_" #f "(%rip), %r11\n"                                 \
            "    jmp cni_lazy_libm_bind\n"                                                     \
            "    .size " #f ", .-" #f "\n"                                                     \
            "    .popsection\n"                                                                \
            "    .pushsection .data.lazy_libm." #f ",\"aw\",@progbits\n"                       \
            "    .p2align 3\n"                                                                 \
            "cni_lazy_libm_slot_" #f ": .quad cni_lazy_libm_first_" #f "\n"                    \
            "    .popsection\n"                                                                \
            "    .pushsection .rodata.lazy_libm." #f ",\"a\",@progbits\n"                      \
            "cni_lazy_libm_name_" #f ": .asciz \"" #f "\"\n"                                   \
            "    .popsection\n");

// Every other libm function Swift 6.3's static stdlib refers to.
LAZY(acosf) LAZY(acoshf) LAZY(acoshl) LAZY(acosl) LAZY(asinf) LAZY(asinhf) LAZY(asinhl) LAZY(asinl)
LAZY(atan2f) LAZY(atan2l) LAZY(atanf) LAZY(atanhf) LAZY(atanhl) LAZY(atanl) LAZY(cbrtf) LAZY(cbrtl)
LAZY(ceill) LAZY(cos) LAZY(cosf) LAZY(coshf) LAZY(coshl) LAZY(cosl) LAZY(erfcf) LAZY(erfcl) LAZY(erff)
LAZY(erfl) LAZY(exp) LAZY(exp2) LAZY(exp2f) LAZY(exp2l) LAZY(expf) LAZY(expl) LAZY(expm1f) LAZY(expm1l)
LAZY(fdimf) LAZY(fdiml) LAZY(floorl) LAZY(fma) LAZY(fmaf) LAZY(fmal) LAZY(fmaxl) LAZY(fminl) LAZY(fmod)
LAZY(fmodf) LAZY(fmodl) LAZY(hypotf) LAZY(hypotl) LAZY(jn) LAZY(lgamma_r) LAZY(lgammaf_r) LAZY(lgammal_r)
LAZY(log) LAZY(log10) LAZY(log10f) LAZY(log10l) LAZY(log1pf) LAZY(log1pl) LAZY(log2) LAZY(log2f)
LAZY(log2l) LAZY(logbf) LAZY(logbl) LAZY(logf) LAZY(logl) LAZY(nanf) LAZY(nanl) LAZY(nearbyint)
LAZY(nearbyintf) LAZY(nearbyintl) LAZY(nextafterf) LAZY(nextafterl) LAZY(powf) LAZY(powl) LAZY(remainder)
LAZY(remainderf) LAZY(remainderl) LAZY(remquo) LAZY(remquof) LAZY(remquol) LAZY(rint) LAZY(rintf)
LAZY(rintl) LAZY(roundl) LAZY(sin) LAZY(sinf) LAZY(sinhf) LAZY(sinhl) LAZY(sinl) LAZY(sqrt) LAZY(sqrtf)
LAZY(sqrtl) LAZY(tanf) LAZY(tanhf) LAZY(tanhl) LAZY(tanl) LAZY(tgammaf) LAZY(tgammal) LAZY(truncl) LAZY(yn)
#endif
