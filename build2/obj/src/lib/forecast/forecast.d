build2/obj/src/lib/forecast/forecast.o: src/lib/forecast/forecast.c \
 include/kolm/forecast.h include/kolm/catalog.h include/kolm/err.h \
 include/kolm/commands.h include/kolm/local.h include/kolm/model.h \
 include/kolm/quality.h include/kolm/quantplan.h include/kolm/artifact.h \
 include/kolm/util.h include/kolm/ctx.h include/kolm/estimate.h \
 include/kolm/export.h include/kolm/types.h include/kolm/fp16.h \
 src/lib/core/json_internal.h src/lib/forecast/depth.h \
 src/lib/forecast/speed.h
include/kolm/forecast.h:
include/kolm/catalog.h:
include/kolm/err.h:
include/kolm/commands.h:
include/kolm/local.h:
include/kolm/model.h:
include/kolm/quality.h:
include/kolm/quantplan.h:
include/kolm/artifact.h:
include/kolm/util.h:
include/kolm/ctx.h:
include/kolm/estimate.h:
include/kolm/export.h:
include/kolm/types.h:
include/kolm/fp16.h:
src/lib/core/json_internal.h:
src/lib/forecast/depth.h:
src/lib/forecast/speed.h:
