/*
 * A QEMU TCG plugin for the bench VM (scripts/vm/run.sh --plugin): counts every instruction the
 * guest executes, kernel and user alike, and each time the guest executes the marker
 * instruction (insn-mark.c) appends "TAG COUNT KERNEL_COUNT" to the file given as out=PATH: all
 * instructions so far, and those of them run in the kernel's half of the address space.
 *
 * Why: wall time in a TCG guest moves with the host's speed (+-20% on the bench machines), which
 * buries a per-VF difference of a tenth of a millisecond under a 200 ms call. The instruction
 * count of the whole guest between two markers does not depend on the host's speed, so
 * bind-insn-guest.sh can compare vfioctl with the bash loop run for run.
 *
 * The guest has one vCPU (run.sh -smp 1), so one counter, added to inline when a translated block
 * starts, counts everything. The marker is `nopl 0x434656NN(%rax)` (0f 1f 80 NN 56 46 43): a
 * no-op whose displacement spells "VFC" after the tag byte N, which no compiler emits by chance.
 *
 * QEMU installs no plugin header (Debian's QEMU 7.2), so the few entry points used are declared
 * here as plugin API version 1 defines them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct {
    const char *target_name;
    struct { int min, cur; } version;
    bool system_emulation;
    union { struct { int smp_vcpus, max_vcpus; } system; };
} qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*tb_translated_cb)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*vcpu_udata_cb)(unsigned int vcpu_index, void *userdata);
typedef void (*udata_cb)(qemu_plugin_id_t, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, tb_translated_cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *, enum qemu_plugin_op,
                                              void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *, vcpu_udata_cb,
                                            enum qemu_plugin_cb_flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, udata_cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t executed, in_kernel;
static FILE *out;

static void on_marker(unsigned int vcpu_index, void *tag)
{
    (void)vcpu_index;
    fprintf(out, "%u %llu %llu\n", (unsigned)(uintptr_t)tag, (unsigned long long)executed,
            (unsigned long long)in_kernel);
    fflush(out);  /* the guest reads the file right after the marker */
}

static void on_translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t count = qemu_plugin_tb_n_insns(tb);
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &executed, count);
    if (qemu_plugin_tb_vaddr(tb) >> 63)  /* x86-64 kernels live in the upper half */
        qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &in_kernel, count);
    for (size_t i = 0; i < count; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        const unsigned char *bytes = qemu_plugin_insn_data(insn);
        if (qemu_plugin_insn_size(insn) == 7 && memcmp(bytes, "\x0f\x1f\x80", 3) == 0
            && memcmp(bytes + 4, "VFC", 3) == 0)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker, QEMU_PLUGIN_CB_NO_REGS,
                                                   (void *)(uintptr_t)bytes[3]);
    }
}

static void on_qemu_exit(qemu_plugin_id_t id, void *unused)
{
    (void)id, (void)unused;
    fprintf(out, "0 %llu %llu\n", (unsigned long long)executed, (unsigned long long)in_kernel);
    fclose(out);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 0; i < argc; i++)
        if (strncmp(argv[i], "out=", 4) == 0)
            path = argv[i] + 4;
    if (!path || !info->system_emulation) {
        fprintf(stderr, "insn-count: needs out=PATH and system emulation\n");
        return 1;
    }
    if (info->system.max_vcpus != 1) {
        fprintf(stderr, "insn-count: one counter counts one vCPU; run the guest with -smp 1\n");
        return 1;
    }
    out = fopen(path, "a");
    if (!out) {
        perror(path);
        return 1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translated);
    qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
    return 0;
}
