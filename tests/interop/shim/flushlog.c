/* flushlog.so - LD_PRELOADed by make interop into every process it starts,
 * so the reference llama.cpp tools print all of their output.
 *
 * llama.cpp's common logger writes from a worker thread, and its singleton
 * is deliberately never destroyed (common/log.cpp, ggml-org/llama.cpp#22142):
 * when main() returns, lines still queued are lost with the thread.  Under
 * load that dropped llama-perplexity's "Final estimate" or the end of
 * llama-completion's text about one run in seven here.  This library's
 * destructor runs inside exit(), after main() and before stdio is torn
 * down: it stops the logger the way llama.cpp itself does
 * (common_log_pause: queue an end marker, let the worker flush everything
 * before it, join it).  The tools are linked with -rdynamic
 * (scripts/ref-toolchain.sh) so the two functions can be found; in any
 * other process (kolm, python, ...) they are absent and nothing happens.
 * Nothing llama.cpp computes is touched. */
#include <dlfcn.h>

__attribute__((destructor)) static void flush_llama_log(void)
{
	/* struct common_log *common_log_main(); void common_log_pause(struct common_log *) */
	void *(*log_main)(void) = (void *(*)(void))dlsym(RTLD_DEFAULT, "_Z15common_log_mainv");
	void (*log_pause)(void *) = (void (*)(void *))dlsym(RTLD_DEFAULT, "_Z16common_log_pauseP10common_log");
	if (log_main && log_pause)
		log_pause(log_main());
}
