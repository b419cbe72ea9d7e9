"""Literal path segments (after the version) of every TikTok Shop API path.

Generated from the OpenAPI snapshot by ``python -m tools.openapi.path_literals``; do not
edit. The router never takes one of these for an id placeholder.
"""

PATH_LITERALS = frozenset({
    "activate", "activities", "addresses", "aftersale_eligibility", "approve",
    "attribute_recommendation_request", "attributes", "auditing", "batch",
    "bind_local_products", "blind_box_result", "brands", "bundles", "calculate", "callback",
    "cancellations", "candidate_products", "categories", "category_assets",
    "category_upgrade_task", "collections", "combinable_packages", "combine",
    "combined_listing_recommendations", "compliance", "core_stats", "coupons", "deactivate",
    "deliver", "delivery_options", "diagnose_optimize", "diagnoses", "enable",
    "external_order_search", "external_orders", "external_products", "files",
    "first_mile_bundle", "global_attributes", "global_categories", "global_listing_rules",
    "global_products", "global_replicate", "global_rules", "global_warehouses",
    "gmv_trend_performances", "handover_time_slots", "identify", "images", "import_external",
    "interactive_trend_performances", "inventory", "invoice", "last_mile_bundles",
    "listing_check", "listing_schemas", "live_rooms", "manufacturers", "opportunities",
    "optimize", "orders", "overview_performance", "packages", "partial_edit", "payments",
    "performance", "performance_per_hour", "performance_per_minutes", "performances",
    "permissions", "prerequisites", "price_detail", "prices", "privileged_orders",
    "product_stats", "products", "products_performance", "publish", "query", "recommend",
    "records", "recover", "redeem_info", "refunds", "reject", "reject_reasons",
    "replicated_products", "research", "responsible_persons", "returns", "rules", "schedule",
    "search", "seller_templates", "seo_words", "ship", "shipping_documents", "shipping_info",
    "shipping_providers", "shipping_services", "shop", "shop_creators", "shop_lives",
    "shop_products", "shop_skus", "shop_videos", "shops", "size_charts", "sizecharts", "split",
    "split_attributes", "standardize", "statement_transactions", "statements", "status",
    "strikethrough_prices", "suggestions", "sync", "tax_information", "tracking",
    "traffic_performances", "translation_tasks", "tts_tracking_validation", "uncombine",
    "unsettled", "update", "upload", "user_portraits", "videos", "view_trend_performances",
    "warehouses", "webhooks", "widget_token", "withdrawals",
})
