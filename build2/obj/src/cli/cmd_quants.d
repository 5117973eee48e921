build2/obj/src/cli/cmd_quants.o: src/cli/cmd_quants.c src/cli/cli.h \
 include/kolm/err.h include/kolm/catalog.h include/kolm/ctx.h
src/cli/cli.h:
include/kolm/err.h:
include/kolm/catalog.h:
include/kolm/ctx.h:
