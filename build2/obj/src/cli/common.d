build2/obj/src/cli/common.o: src/cli/common.c src/cli/cli.h \
 include/kolm/err.h
src/cli/cli.h:
include/kolm/err.h:
