build2/obj/src/cli/cmd_pack.o: src/cli/cmd_pack.c src/cli/cli.h \
 include/kolm/err.h include/kolm/artifact.h include/kolm/util.h \
 include/kolm/ctx.h include/kolm/catalog.h
src/cli/cli.h:
include/kolm/err.h:
include/kolm/artifact.h:
include/kolm/util.h:
include/kolm/ctx.h:
include/kolm/catalog.h:
