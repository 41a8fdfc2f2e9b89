from .views_activities import urlpatterns as activity_urls
from .views_attachments import urlpatterns as attachment_urls
from .views_cases import urlpatterns as case_urls
from .views_catalogue import urlpatterns as catalogue_urls
from .views_groups import urlpatterns as group_urls
from .views_visits import urlpatterns as visit_urls

app_name = "casework"

urlpatterns = [*visit_urls, *case_urls, *group_urls, *activity_urls, *catalogue_urls, *attachment_urls]
