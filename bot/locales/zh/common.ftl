app-name = 家医
