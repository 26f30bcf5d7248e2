from accounts.api import LocationListApi, MeApi
from web.api import api_path

urlpatterns = [
    *api_path("me", MeApi, name="api-me"),
    *api_path("locations", LocationListApi, name="api-location-list"),
]
