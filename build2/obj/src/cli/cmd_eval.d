build2/obj/src/cli/cmd_eval.o: src/cli/cmd_eval.c src/cli/cli.h \
 include/kolm/err.h include/kolm/engine.h include/kolm/eval.h \
 include/kolm/util.h
src/cli/cli.h:
include/kolm/err.h:
include/kolm/engine.h:
include/kolm/eval.h:
include/kolm/util.h:
