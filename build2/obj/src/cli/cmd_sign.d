build2/obj/src/cli/cmd_sign.o: src/cli/cmd_sign.c src/cli/cli.h \
 include/kolm/err.h include/kolm/artifact.h include/kolm/util.h
src/cli/cli.h:
include/kolm/err.h:
include/kolm/artifact.h:
include/kolm/util.h:
