build2/obj/src/cli/cmd_inspect.o: src/cli/cmd_inspect.c src/cli/cli.h \
 include/kolm/err.h include/kolm/ctx.h include/kolm/catalog.h \
 include/kolm/inspect.h
src/cli/cli.h:
include/kolm/err.h:
include/kolm/ctx.h:
include/kolm/catalog.h:
include/kolm/inspect.h:
