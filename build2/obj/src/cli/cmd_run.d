build2/obj/src/cli/cmd_run.o: src/cli/cmd_run.c src/cli/cli.h \
 include/kolm/err.h include/kolm/engine.h include/kolm/tokenizer.h
src/cli/cli.h:
include/kolm/err.h:
include/kolm/engine.h:
include/kolm/tokenizer.h:
