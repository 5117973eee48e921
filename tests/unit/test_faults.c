/* test_faults.c - kill -9 at random points while `kolm export` and `kolm
 * pack` write a ~270 MB output: nothing ever appears at the output path,
 * and the next run leaves no stray temp files.  A full disk gives exit 4
 * and one line naming the output.  Runs the real binary (KOLM_BIN).
 * 50 kills per command (10 under the sanitizers, whose runs are ~5x
 * slower); only kills that land while the temp file exists count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../bench/synth_hf.h"

static char dir[64], hf[128], evp[128], outdir[128];
static const char *kolm;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int setup(void **s)
{
	(void)s;
	kolm = getenv("KOLM_BIN");
	const char *fixtures = getenv("KOLM_FIXTURES");
	if (!kolm || !fixtures)
		return -1;
	snprintf(dir, sizeof dir, "/tmp/kolm-faults-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(hf, sizeof hf, "%s/hf", dir);
	snprintf(evp, sizeof evp, "%s/ep.jsonl", dir);
	snprintf(outdir, sizeof outdir, "%s/out", dir);
	mkdir(outdir, 0755);
	/* 3 layers of a 2048-wide llama: 133 M params, 266 MB of F16 */
	uint64_t bytes = synth_hf(hf, fixtures, 2048, 3, 5632, 32, 4);
	if (bytes < 200000000)
		return -1;
	FILE *fp = fopen(evp, "w");
	fputs("{\"id\": \"1\", \"prompt\": \"a\", \"expected\": \"b\", \"match\": \"exact\"}\n", fp);
	fclose(fp);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* entries of outdir whose name starts with prefix */
static int count(const char *prefix, const char *infix)
{
	DIR *d = opendir(outdir);
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, prefix, strlen(prefix)) && (!infix || strstr(de->d_name, infix)))
			n++;
	if (d)
		closedir(d);
	return n;
}

/* victim: the process will be killed at a random point.  Under make san its
 * leak check is off: a SIGKILL that lands while LeakSanitizer suspends the
 * exiting process's threads leaves the report "Unable to get registers from
 * thread N" (seen in CI), a race with the kill and not a leak; a killed
 * process never reaches the check anyway, and the same command's complete
 * run (the reference run below, the CLI tests) keeps it. */
static pid_t spawn(char *const argv[], int quiet, int victim)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (victim) {
			char opts[4096];
			const char *old = getenv("ASAN_OPTIONS");
			snprintf(opts, sizeof opts, "%s%sdetect_leaks=0", old ? old : "", old && *old ? ":" : "");
			setenv("ASAN_OPTIONS", opts, 1);
		}
		if (quiet) {
			int fd = open("/dev/null", O_WRONLY);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static void kill_matrix(char *const argv[], const char *out_name)
{
	int kills = getenv("KOLM_SAN") && !strcmp(getenv("KOLM_SAN"), "1") ? 10 : 50;
	char out[256];
	snprintf(out, sizeof out, "%s/%s", outdir, out_name);
	/* one full run: how long the output takes */
	double t0 = now();
	pid_t pid = spawn(argv, 1, 0);
	int st;
	waitpid(pid, &st, 0);
	double full = now() - t0;
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct stat ref;
	assert_int_equal(stat(out, &ref), 0);
	unlink(out);
	srand(20261127);
	int counted = 0, attempts = 0;
	while (counted < kills && attempts < kills * 4) {
		attempts++;
		pid = spawn(argv, 1, 1);
		/* wait for the temp file, then a random delay inside the write */
		double tw = now();
		while (count(out_name, ".kolm-tmp.") == 0 && now() - tw < full * 3 + 5)
			usleep(500);
		useconds_t delay = (useconds_t)((double)rand() / RAND_MAX * full * 0.9e6);
		usleep(delay);
		int writing = count(out_name, ".kolm-tmp.") > 0 && waitpid(pid, &st, WNOHANG) == 0;
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		struct stat now_st;
		if (stat(out, &now_st) == 0) {
			/* the rename won the race with the kill: it must be the whole file */
			if (now_st.st_size != ref.st_size)
				fail_msg("%s: a partial output (%lld of %lld bytes) at the output path", out_name,
					 (long long)now_st.st_size, (long long)ref.st_size);
			unlink(out); /* the run finished before the kill: not counted */
			continue;
		}
		counted += writing;
	}
	printf("%s: %d kills while writing (of %d attempts, full run %.2f s): nothing at the output path\n", out_name,
	       counted, attempts, full);
	assert_int_equal(counted, kills);
	/* the next run removes the strays of the killed ones */
	assert_true(count(out_name, ".kolm-tmp.") > 0);
	pid = spawn(argv, 1, 0);
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(count(out_name, ".kolm-tmp."), 0);
	assert_int_equal(access(out, F_OK), 0);
	unlink(out);
}

static void test_kill_export(void **s)
{
	(void)s;
	char *argv[] = {(char *)kolm, "export", "--from-dir", hf, "--quant", "q8_0", "--device", "rpi5-8gb", "-o", outdir,
			"-t", "2", NULL};
	kill_matrix(argv, "hf-q8_0.gguf");
}

static void test_kill_pack(void **s)
{
	(void)s;
	char out[200];
	snprintf(out, sizeof out, "%s/p.kolm", outdir);
	char *argv[] = {(char *)kolm, "pack", hf, "--evalpack", evp, "-o", out, "--no-measure", NULL};
	kill_matrix(argv, "p.kolm");
}

/* A full disk: exit 4, one "kolm:" line, nothing at the output path.  A
 * 16 MB tmpfs when we may mount one (root), else RLIMIT_FSIZE (EFBIG). */
static void test_full_disk(void **s)
{
	(void)s;
	char small[160], out[200];
	snprintf(small, sizeof small, "%s/small", dir);
	mkdir(small, 0755);
	int mounted = mount("tmpfs", small, "tmpfs", 0, "size=16m") == 0;
	snprintf(out, sizeof out, "%s/p.kolm", small);
	char errf[200];
	snprintf(errf, sizeof errf, "%s/err.txt", dir);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 2);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		if (!mounted) {
			signal(SIGXFSZ, SIG_IGN);
			struct rlimit rl = {16 << 20, 16 << 20};
			setrlimit(RLIMIT_FSIZE, &rl);
		}
		execl(kolm, kolm, "pack", hf, "--evalpack", evp, "-o", out, "--no-measure", (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	FILE *fp = fopen(errf, "r");
	char line[512] = "", extra[512];
	if (fp) {
		if (!fgets(line, sizeof line, fp))
			line[0] = '\0';
		if (fgets(extra, sizeof extra, fp))
			fail_msg("more than one line on stderr: %s%s", line, extra);
		fclose(fp);
	}
	printf("full disk (%s): exit %d, %s", mounted ? "16 MB tmpfs" : "RLIMIT_FSIZE 16 MB", WEXITSTATUS(st), line);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 4);
	assert_int_equal(strncmp(line, "kolm: ", 6), 0);
	assert_non_null(strstr(line, "p.kolm"));
	assert_int_not_equal(access(out, F_OK), 0);
	/* and no temp file left in the small directory */
	DIR *d = opendir(small);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (strstr(de->d_name, ".kolm-tmp."))
			fail_msg("temp file %s left on the full disk", de->d_name);
	if (d)
		closedir(d);
	if (mounted)
		umount(small);
}

/* The input shrinks while export reads it (mapped): exit 4 with one line,
 * never a truncated output. */
static void test_input_truncated_mid_read(void **s)
{
	(void)s;
	char src[200], cmd[600], out[256], errf[200];
	snprintf(src, sizeof src, "%s/shrink", dir);
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -r '%s' '%s'", src, hf, src);
	assert_int_equal(system(cmd), 0);
	snprintf(out, sizeof out, "%s/shrink-q8_0.gguf", outdir);
	snprintf(errf, sizeof errf, "%s/shrink-err.txt", dir);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 2);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		execl(kolm, kolm, "export", "--from-dir", src, "--quant", "q8_0", "--device", "rpi5-8gb", "-o", outdir, "-t", "1",
		      (char *)NULL);
		_exit(127);
	}
	/* once it writes, cut the checkpoint to a quarter under it */
	double t0 = now();
	while (count("shrink-q8_0.gguf", ".kolm-tmp.") == 0 && now() - t0 < 20)
		usleep(1000);
	char st_path[260];
	snprintf(st_path, sizeof st_path, "%s/model.safetensors", src);
	struct stat sb;
	assert_int_equal(stat(st_path, &sb), 0);
	assert_int_equal(truncate(st_path, sb.st_size / 4), 0);
	int status;
	waitpid(pid, &status, 0);
	FILE *fp = fopen(errf, "r");
	char line[512] = "";
	if (fp) {
		if (!fgets(line, sizeof line, fp))
			line[0] = '\0';
		fclose(fp);
	}
	printf("input cut to a quarter mid-export: exit %d, %s", WIFEXITED(status) ? WEXITSTATUS(status) : -1, line);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 4);
	assert_int_equal(strncmp(line, "kolm: ", 6), 0);
	assert_int_not_equal(access(out, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_full_disk),
		cmocka_unit_test(test_kill_export),
		cmocka_unit_test(test_kill_pack),
		cmocka_unit_test(test_input_truncated_mid_read),
	};
	return cmocka_run_group_tests(t, setup, teardown);
}
