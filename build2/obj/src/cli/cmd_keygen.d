build2/obj/src/cli/cmd_keygen.o: src/cli/cmd_keygen.c src/cli/cli.h \
 include/kolm/err.h include/kolm/artifact.h include/kolm/util.h
src/cli/cli.h:
include/kolm/err.h:
include/kolm/artifact.h:
include/kolm/util.h:
