build2/obj/src/cli/options.o: src/cli/options.c src/cli/cli.h \
 include/kolm/err.h
src/cli/cli.h:
include/kolm/err.h:
