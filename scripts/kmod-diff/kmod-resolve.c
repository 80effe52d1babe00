/*
 * kmod-resolve: `modprobe -R` for many keys in one process.
 *
 * Reads one alias key per line on stdin and prints, per key, one line:
 *     KEY<TAB>MODULE MODULE ...
 * with the modules in the order and multiplicity kmod_module_new_from_lookup() returns them (what
 * `modprobe -R KEY` prints, one per line), or an empty list when nothing matches (modprobe exits 1).
 * The context is created the way modprobe creates it: kmod_new(dirname, NULL) reads the default
 * modprobe.d configuration, so config aliases are consulted first, exactly as `modprobe -R` does.
 *
 * Usage: kmod-resolve [MODULES_DIRECTORY] < keys
 *   MODULES_DIRECTORY defaults to /lib/modules/$(uname -r).
 * Build: cc -O2 -o kmod-resolve kmod-resolve.c $(pkg-config --cflags --libs libkmod)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libkmod.h>

int main(int argc, char **argv)
{
	const char *dirname = argc > 1 ? argv[1] : NULL;
	struct kmod_ctx *ctx = kmod_new(dirname, NULL);
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (ctx == NULL) {
		fprintf(stderr, "kmod-resolve: kmod_new(%s) failed\n", dirname ? dirname : "(default)");
		return 2;
	}
	/* modprobe loads the indexes lazily per lookup; loading them once is what makes this fast. */
	kmod_load_resources(ctx);

	while ((len = getline(&line, &cap, stdin)) != -1) {
		struct kmod_list *list = NULL, *l;
		int err;

		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		err = kmod_module_new_from_lookup(ctx, line, &list);
		fputs(line, stdout);
		putchar('\t');
		if (err < 0) {
			printf("!error %s\n", strerror(-err));
			continue;
		}
		kmod_list_foreach(l, list) {
			struct kmod_module *mod = kmod_module_get_module(l);
			if (l != list)
				putchar(' ');
			fputs(kmod_module_get_name(mod), stdout);
			kmod_module_unref(mod);
		}
		putchar('\n');
		kmod_module_unref_list(list);
	}
	free(line);
	kmod_unref(ctx);
	return 0;
}
