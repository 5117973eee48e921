build2/obj/src/cli/cmd_export.o: src/cli/cmd_export.c src/cli/cli.h \
 include/kolm/err.h include/kolm/catalog.h include/kolm/commands.h \
 include/kolm/ctx.h include/kolm/export.h include/kolm/forecast.h \
 include/kolm/local.h include/kolm/model.h include/kolm/quality.h \
 include/kolm/quantplan.h include/kolm/toolchain.h include/kolm/util.h \
 src/cli/pick.h src/cli/render.h
src/cli/cli.h:
include/kolm/err.h:
include/kolm/catalog.h:
include/kolm/commands.h:
include/kolm/ctx.h:
include/kolm/export.h:
include/kolm/forecast.h:
include/kolm/local.h:
include/kolm/model.h:
include/kolm/quality.h:
include/kolm/quantplan.h:
include/kolm/toolchain.h:
include/kolm/util.h:
src/cli/pick.h:
src/cli/render.h:
