# The fleet work (issue 22): promtool checks --format prometheus; headless Chromium opens the
# HTML fleet report (screenshot, --dump-dom).
apt_need prometheus chromium
