build2/obj/src/cli/cmd_plan.o: src/cli/cmd_plan.c src/cli/cli.h \
 include/kolm/err.h include/kolm/ctx.h include/kolm/catalog.h \
 include/kolm/forecast.h include/kolm/commands.h include/kolm/local.h \
 include/kolm/model.h include/kolm/quality.h include/kolm/quantplan.h \
 src/cli/pick.h src/cli/render.h
src/cli/cli.h:
include/kolm/err.h:
include/kolm/ctx.h:
include/kolm/catalog.h:
include/kolm/forecast.h:
include/kolm/commands.h:
include/kolm/local.h:
include/kolm/model.h:
include/kolm/quality.h:
include/kolm/quantplan.h:
src/cli/pick.h:
src/cli/render.h:
