build2/obj/src/lib/serve/serve.o: src/lib/serve/serve.c \
 include/kolm/serve.h include/kolm/err.h include/kolm/util.h \
 src/lib/serve/handlers_internal.h src/lib/serve/cache_internal.h \
 src/lib/serve/http_internal.h src/lib/serve/request_internal.h \
 src/lib/serve/upload_internal.h
include/kolm/serve.h:
include/kolm/err.h:
include/kolm/util.h:
src/lib/serve/handlers_internal.h:
src/lib/serve/cache_internal.h:
src/lib/serve/http_internal.h:
src/lib/serve/request_internal.h:
src/lib/serve/upload_internal.h:
