build2/obj/src/cli/render.o: src/cli/render.c src/cli/render.h \
 include/kolm/forecast.h include/kolm/catalog.h include/kolm/err.h \
 include/kolm/commands.h include/kolm/local.h include/kolm/model.h \
 include/kolm/quality.h include/kolm/quantplan.h
src/cli/render.h:
include/kolm/forecast.h:
include/kolm/catalog.h:
include/kolm/err.h:
include/kolm/commands.h:
include/kolm/local.h:
include/kolm/model.h:
include/kolm/quality.h:
include/kolm/quantplan.h:
