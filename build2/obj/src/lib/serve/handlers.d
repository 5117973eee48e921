build2/obj/src/lib/serve/handlers.o: src/lib/serve/handlers.c \
 src/lib/serve/handlers_internal.h src/lib/serve/cache_internal.h \
 src/lib/serve/http_internal.h include/kolm/err.h include/kolm/artifact.h \
 include/kolm/util.h include/kolm/catalog.h include/kolm/ctx.h \
 include/kolm/forecast.h include/kolm/commands.h include/kolm/local.h \
 include/kolm/model.h include/kolm/quality.h include/kolm/quantplan.h \
 include/kolm/version.h src/lib/serve/request_internal.h \
 src/lib/serve/upload_internal.h
src/lib/serve/handlers_internal.h:
src/lib/serve/cache_internal.h:
src/lib/serve/http_internal.h:
include/kolm/err.h:
include/kolm/artifact.h:
include/kolm/util.h:
include/kolm/catalog.h:
include/kolm/ctx.h:
include/kolm/forecast.h:
include/kolm/commands.h:
include/kolm/local.h:
include/kolm/model.h:
include/kolm/quality.h:
include/kolm/quantplan.h:
include/kolm/version.h:
src/lib/serve/request_internal.h:
src/lib/serve/upload_internal.h:
