build2/obj/src/cli/cmd_verify.o: src/cli/cmd_verify.c src/cli/cli.h \
 include/kolm/err.h include/kolm/artifact.h include/kolm/util.h \
 include/kolm/ctx.h include/kolm/catalog.h include/kolm/export.h
src/cli/cli.h:
include/kolm/err.h:
include/kolm/artifact.h:
include/kolm/util.h:
include/kolm/ctx.h:
include/kolm/catalog.h:
include/kolm/export.h:
