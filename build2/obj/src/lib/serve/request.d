build2/obj/src/lib/serve/request.o: src/lib/serve/request.c \
 src/lib/serve/request_internal.h include/kolm/catalog.h \
 include/kolm/err.h include/kolm/ctx.h include/kolm/forecast.h \
 include/kolm/commands.h include/kolm/local.h include/kolm/model.h \
 include/kolm/quality.h include/kolm/quantplan.h
src/lib/serve/request_internal.h:
include/kolm/catalog.h:
include/kolm/err.h:
include/kolm/ctx.h:
include/kolm/forecast.h:
include/kolm/commands.h:
include/kolm/local.h:
include/kolm/model.h:
include/kolm/quality.h:
include/kolm/quantplan.h:
