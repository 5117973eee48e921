/* fuzz_kolm: reading a .kolm tar in place (container rules, member
 * offsets, manifest) and, when it opens, the model inside it. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kolm/artifact.h"
#include "kolm/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz.kolm", 0);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	struct kolm_artifact *a;
	if (kolm_artifact_scan(&a, path, NULL) == KOLM_OK) {
		int ok = !a->container_why[0] && !a->manifest_why[0];
		kolm_artifact_close(a);
		struct kolm_model m;
		if (ok && kolm_model_from_artifact(&m, path, NULL) == KOLM_OK)
			kolm_model_release(&m);
	}
	close(fd);
	return 0;
}
