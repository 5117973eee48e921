build2/obj/src/cli/cmd_quickstart.o: src/cli/cmd_quickstart.c \
 src/cli/cli.h include/kolm/err.h include/kolm/ctx.h \
 include/kolm/catalog.h include/kolm/quickstart.h src/cli/pick.h \
 include/kolm/forecast.h include/kolm/commands.h include/kolm/local.h \
 include/kolm/model.h include/kolm/quality.h include/kolm/quantplan.h
src/cli/cli.h:
include/kolm/err.h:
include/kolm/ctx.h:
include/kolm/catalog.h:
include/kolm/quickstart.h:
src/cli/pick.h:
include/kolm/forecast.h:
include/kolm/commands.h:
include/kolm/local.h:
include/kolm/model.h:
include/kolm/quality.h:
include/kolm/quantplan.h:
