build2/obj/src/cli/cmd_bases.o: src/cli/cmd_bases.c src/cli/cli.h \
 include/kolm/err.h include/kolm/catalog.h include/kolm/ctx.h \
 include/kolm/model.h
src/cli/cli.h:
include/kolm/err.h:
include/kolm/catalog.h:
include/kolm/ctx.h:
include/kolm/model.h:
