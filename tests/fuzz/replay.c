/* replay: run a fuzz target's LLVMFuzzerTestOneInput on files, without
 * libFuzzer — the regression corpus (tests/fuzz/regress/<target>/) and
 * the seeds run in every `make check`, under the sanitizers in `make san`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	int n = 0;
	for (int i = 1; i < argc; i++) {
		FILE *fp = fopen(argv[i], "rb");
		if (!fp) {
			fprintf(stderr, "replay: %s: cannot open\n", argv[i]);
			return 2;
		}
		uint8_t *buf = NULL;
		size_t len = 0, cap = 0, r;
		uint8_t chunk[65536];
		while ((r = fread(chunk, 1, sizeof chunk, fp)) > 0) {
			if (len + r > cap) {
				cap = (len + r) * 2;
				buf = realloc(buf, cap);
			}
			for (size_t k = 0; k < r; k++)
				buf[len + k] = chunk[k];
			len += r;
		}
		fclose(fp);
		LLVMFuzzerTestOneInput(buf ? buf : (const uint8_t *)"", len);
		free(buf);
		n++;
	}
	printf("replayed %d inputs\n", n);
	return 0;
}
