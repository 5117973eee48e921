build2/obj/src/cli/cmd_serve.o: src/cli/cmd_serve.c src/cli/cli.h \
 include/kolm/err.h include/kolm/ctx.h include/kolm/catalog.h \
 include/kolm/serve.h
src/cli/cli.h:
include/kolm/err.h:
include/kolm/ctx.h:
include/kolm/catalog.h:
include/kolm/serve.h:
