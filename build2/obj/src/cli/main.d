build2/obj/src/cli/main.o: src/cli/main.c src/cli/cli.h \
 include/kolm/err.h include/kolm/ctx.h include/kolm/catalog.h \
 include/kolm/util.h include/kolm/version.h
src/cli/cli.h:
include/kolm/err.h:
include/kolm/ctx.h:
include/kolm/catalog.h:
include/kolm/util.h:
include/kolm/version.h:
