/*
 * Runs in the bench guest: executes insn-count.c's marker instruction once, tagged 1 for
 * `insn-mark start` and 2 for `insn-mark end`, so the plugin logs the guest's instruction count
 * at that point. Static, so marking costs one small exec and no dynamic loading.
 */
#include <string.h>

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "start") == 0)
        __asm__ volatile(".byte 0x0f, 0x1f, 0x80, 0x01, 0x56, 0x46, 0x43");
    else if (argc == 2 && strcmp(argv[1], "end") == 0)
        __asm__ volatile(".byte 0x0f, 0x1f, 0x80, 0x02, 0x56, 0x46, 0x43");
    else
        return 2;
    return 0;
}
